/**
 * Query translation from the API's pod subresources to the agent's (kubelet's) endpoints, as
 * kube-apiserver does it: PodLogOptions are validated and passed on; PodExecOptions' stdin,
 * stdout, stderr become the kubelet's input, output, error ("1" when set).
 */
import { ApiError, errors } from '../../api/errors.js';
import { queryFlag } from '../http.js';

function int(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) throw errors.badRequest(`invalid value for ${name}: "${raw}" is not an integer`);
  return Number(raw);
}

/** The agent's /containerLogs query for a pods/log request; bad options are 422 Invalid. */
export function logQuery(params: URLSearchParams, podName: string): URLSearchParams {
  const out = new URLSearchParams();
  const causes: Array<{ reason: string; field: string; message: string }> = [];
  const invalid = (field: string, message: string) =>
    causes.push({ reason: 'FieldValueInvalid', field, message });
  for (const name of ['follow', 'previous', 'timestamps'])
    if (queryFlag(params.get(name))) out.set(name, 'true');
  const tailLines = int(params, 'tailLines');
  if (tailLines !== undefined) {
    if (tailLines < 0)
      invalid('tailLines', `Invalid value: ${tailLines}: must be greater than or equal to 0`);
    else out.set('tailLines', String(tailLines));
  }
  const limitBytes = int(params, 'limitBytes');
  if (limitBytes !== undefined) {
    if (limitBytes < 1) invalid('limitBytes', `Invalid value: ${limitBytes}: must be greater than 0`);
    else out.set('limitBytes', String(limitBytes));
  }
  const sinceSeconds = int(params, 'sinceSeconds');
  const sinceTime = params.get('sinceTime');
  if (sinceSeconds !== undefined && sinceTime)
    causes.push({
      reason: 'FieldValueForbidden',
      field: '',
      message: 'at most one of `sinceTime` or `sinceSeconds` may be specified',
    });
  if (sinceSeconds !== undefined) {
    if (sinceSeconds < 1) invalid('sinceSeconds', `Invalid value: ${sinceSeconds}: must be greater than 0`);
    else out.set('sinceSeconds', String(sinceSeconds));
  }
  if (sinceTime) {
    if (Number.isNaN(Date.parse(sinceTime)))
      throw errors.badRequest(`invalid value for sinceTime: "${sinceTime}" is not an RFC 3339 time`);
    out.set('sinceTime', sinceTime);
  }
  if (causes.length > 0) {
    throw new ApiError(
      422,
      'Invalid',
      `PodLogOptions "${podName}" is invalid: ${causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(', ')}`,
      { name: podName, kind: 'PodLogOptions', causes },
    );
  }
  return out;
}

/** The agent's /exec or /attach query; exec without a command or with no stream is a 400. */
export function execQuery(params: URLSearchParams, exec: boolean): URLSearchParams {
  const out = new URLSearchParams();
  const command = params.getAll('command');
  if (exec && command.length === 0)
    throw errors.badRequest('you must specify at least one command for the container');
  for (const c of command) out.append('command', c);
  const stdin = queryFlag(params.get('stdin'));
  const stdout = queryFlag(params.get('stdout'));
  const stderr = queryFlag(params.get('stderr'));
  if (!stdin && !stdout && !stderr)
    throw errors.badRequest('you must specify at least 1 of stdin, stdout, stderr');
  if (stdin) out.set('input', '1');
  if (stdout) out.set('output', '1');
  if (stderr) out.set('error', '1');
  if (queryFlag(params.get('tty'))) out.set('tty', '1');
  return out;
}

/** The agent's /portForward query (ports, when the client named them). */
export function portForwardQuery(params: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const p of params.getAll('ports')) out.append('ports', p);
  return out;
}
