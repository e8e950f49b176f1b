/**
 * Descriptions that name the instances they serve, cut to fit AWS's limits when there are many.
 */

/**
 * The longest description aws-cdk-lib accepts for a stack (512 characters; CloudFormation would take 1,024 bytes),
 * and the longest CloudFormation takes for an EventBridge rule.
 */
export const MAX_DESCRIPTION_LENGTH = 512;

/**
 * A description naming the instances, as many as fit the 512 characters aws-cdk-lib allows: `a, b, c` or, for many
 * pairs, `a, b, … and 180 more`.
 */
export function describeList(prefix: string, ids: readonly string[], suffix: string): string {
  const full = `${prefix}${ids.join(', ')}${suffix}`;
  if (full.length <= MAX_DESCRIPTION_LENGTH) return full;
  let shown = ids.length;
  let text = full;
  while (shown > 0 && text.length > MAX_DESCRIPTION_LENGTH) {
    shown--;
    text = `${prefix}${ids.slice(0, shown).join(', ')}, … and ${ids.length - shown} more${suffix}`;
  }
  return text;
}
