import { describe, expect, it } from 'vitest';
import { stopSignalOf } from './naming.js';

describe('stopSignalOf', () => {
  it('turns an image STOPSIGNAL into what runc kill takes', () => {
    expect(stopSignalOf('SIGQUIT')).toEqual({ stopSignal: 'QUIT' });
    expect(stopSignalOf('sigwinch')).toEqual({ stopSignal: 'WINCH' });
    expect(stopSignalOf('37')).toEqual({ stopSignal: '37' });
    expect(stopSignalOf('SIGRTMIN+3')).toEqual({ stopSignal: 'RTMIN+3' });
  });

  it('sends SIGTERM (nothing set) for an absent or malformed signal', () => {
    expect(stopSignalOf(undefined)).toEqual({});
    expect(stopSignalOf('')).toEqual({});
    expect(stopSignalOf('QUIT; rm -rf /')).toEqual({});
  });
});
