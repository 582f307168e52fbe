import { describe, expect, it } from 'vitest';
import { parseImageConfig } from './manifest.js';

describe('parseImageConfig', () => {
  it('reads what a container takes from its image, STOPSIGNAL included', () => {
    const { config, diffIDs } = parseImageConfig({
      config: { Env: ['PATH=/bin'], Cmd: ['sh'], WorkingDir: '/srv', User: 'app', StopSignal: 'SIGQUIT' },
      rootfs: { diff_ids: ['sha256:aa'] },
    });
    expect(config).toEqual({
      env: ['PATH=/bin'],
      entrypoint: [],
      cmd: ['sh'],
      workingDir: '/srv',
      user: 'app',
      stopSignal: 'SIGQUIT',
    });
    expect(diffIDs).toEqual(['sha256:aa']);
  });

  it("gives Docker's empty defaults and no stop signal when the config has none", () => {
    expect(parseImageConfig({}).config).toEqual({
      env: [],
      entrypoint: [],
      cmd: [],
      workingDir: '',
      user: '',
    });
  });
});
