/** The longest delay setTimeout holds: above it Node fires at once, with a warning. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
