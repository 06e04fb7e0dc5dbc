export { hashPassword, verifyPassword, passwordNeedsRehash } from './password.js';
export { principalFromToken } from './admission.js';
export { authenticate } from './authenticate.js';
export { authCache, isUserActive, userGroup } from './cache.js';
export { login, loginRequest, type LoginRequest, type LoginResult } from './login.js';
export { bearerToken, issueToken, verifyToken, type IssuedToken } from './tokens.js';
export { findUserActive, findUserByUsername, type UserCredentials, type UserLookup } from './users.js';
export {
  ROLES,
  assertAccess,
  assertCanReadDriver,
  hasAccess,
  ownDriverId,
  type AccessLevel,
  type Principal,
  type Role,
} from './principal.js';
