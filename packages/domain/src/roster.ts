/**
 * The share of the active people above which an import that deactivates people who are
 * not listed asks to be confirmed: a roster file cut short, or only its header, would
 * otherwise take most of the organization out of every pulse at once.
 */
export const DEACTIVATION_CONFIRMATION_SHARE = 0.4;

/** Whether deactivating `deactivated` of `activeBefore` active people needs a confirmation. */
export function deactivationNeedsConfirmation(activeBefore: number, deactivated: number): boolean {
  return deactivated > 0 && deactivated > DEACTIVATION_CONFIRMATION_SHARE * activeBefore;
}
