/** The migrated template every test database is cloned from. */
export const TEMPLATE_DB = 'cg_test_template';
