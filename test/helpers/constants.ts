export const TEST_DIMENSIONS = 1536;
export const TEMPLATE_DB = 'archon_test_template';
