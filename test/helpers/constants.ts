export const TEST_DIMENSIONS = 1536;
