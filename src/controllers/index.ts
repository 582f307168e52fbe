/**
 * Every controller the controller manager runs, in start order. Add a controller by writing it
 * under controllers/<name>/ and listing it here.
 */
import type { Controller } from './manager.js';

export function allControllers(): Controller[] {
  return [];
}
