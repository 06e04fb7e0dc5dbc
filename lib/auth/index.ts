export { hashPassword, verifyPassword, passwordNeedsRehash } from './password.js';
