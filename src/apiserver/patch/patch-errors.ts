/**
 * The two ways a patch fails, shaped as kube-apiserver shapes them: a malformed patch document is a
 * 400 BadRequest; a well-formed patch that cannot be applied is a 422 built like apimachinery's
 * NewGenericServerResponse (generic message, the specific problem in details.causes), which is why
 * kubectl prints "The request is invalid: the server rejected our request due to an error in our
 * request".
 */
import { ApiError, errors } from '../../api/errors.js';

/** Message kube-apiserver uses for every 422 raised while applying a patch. */
export const REJECTED_MESSAGE = 'the server rejected our request due to an error in our request';

/** 400: the patch document itself is malformed. */
export function badPatch(message: string): ApiError {
  return errors.badRequest(message);
}

/** 422 Invalid: the patch is well formed but cannot be applied to this object. */
export function cannotApply(detail: string): ApiError {
  return new ApiError(422, 'Invalid', REJECTED_MESSAGE, {
    causes: [{ reason: 'UnexpectedServerResponse', message: detail }],
  });
}
