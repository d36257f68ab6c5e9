import { encode } from 'uqr';

/** The dark modules of a QR code as one SVG path, one unit square per module. */
export function qrPath(data: readonly (readonly boolean[])[]): string {
  let path = '';
  data.forEach((row, y) => {
    row.forEach((dark, x) => {
      if (dark) path += `M${x} ${y}h1v1h-1z`;
    });
  });
  return path;
}

/**
 * A QR code of `text`, drawn as SVG in the page (no canvas, nothing fetched). Medium error
 * correction, so a projector's glare or a keystone angle still scans; a quiet zone of four
 * modules, as scanners expect.
 */
export function QrCode({ text, label }: { text: string; label: string }) {
  const qr = encode(text, { ecc: 'M', border: 4 });
  return (
    <svg
      class="qr-code"
      viewBox={`0 0 ${qr.size} ${qr.size}`}
      role="img"
      aria-label={label}
      shape-rendering="crispEdges"
      data-qr-text={text}
    >
      <rect width={qr.size} height={qr.size} fill="#ffffff" />
      <path d={qrPath(qr.data)} fill="#000000" />
    </svg>
  );
}
