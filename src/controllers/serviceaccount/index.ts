/** The ServiceAccount controller: a "default" ServiceAccount in every active namespace. */
export {
  defaultServiceAccountName,
  serviceAccountController,
  wantsDefaultAccount,
} from './serviceaccount-controller.js';
