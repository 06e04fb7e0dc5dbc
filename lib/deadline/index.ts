export { settleWithin } from './deadline.js';
