export { DomainError, type DomainErrorCode } from './errors.js';
export {
  COMMENT_MAX_LENGTH,
  DIMENSIONS,
  isDimension,
  isTier,
  OPEN_QUESTION,
  PRIORITY_PLACEHOLDER,
  STATEMENTS,
  statementFor,
  TIERS,
  type Dimension,
  type Tier,
} from './question-bank.js';
export {
  addToHistogram,
  ANSWER_VALUES,
  assertHistogram,
  emptyHistogram,
  histogramFromValues,
  histogramTotal,
  isAnswerValue,
  mergeHistograms,
  type AnswerValue,
  type Histogram,
} from './histogram.js';
export {
  assertMinGroupSize,
  DEFAULT_COMMENT_MIN_GROUP_SIZE,
  DEFAULT_MIN_GROUP_SIZE,
  MIN_GROUP_SIZE_FLOOR,
} from './group-size.js';
export {
  computeCell,
  summarize,
  type CellInput,
  type CellStatistics,
  type ReportedCellStatistics,
  type SuppressedCellStatistics,
  type TierSummary,
} from './cell-statistics.js';
export { assignSegments, type Segment, type TeamNode } from './segments.js';
