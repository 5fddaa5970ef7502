/** Roles a person can be given, in the order an admin thinks of them (from the contract). */
export { USER_ROLES as USER_ROLE_OPTIONS } from '@contracts/auth'
