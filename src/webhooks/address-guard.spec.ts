import { guardedLookup, isForbiddenAddress } from './address-guard';

describe('isForbiddenAddress', () => {
  it.each([
    '127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.0.1', '169.254.169.254', '100.64.0.1',
    '0.0.0.0', '::1', '::', 'fe80::1', 'fd12:3456::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:a9fe:a9fe',
    '64:ff9b::10.0.0.1', '[::1]', 'not-an-address',
  ])('refuses %s', (address) => expect(isForbiddenAddress(address)).toBe(true));

  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])('allows %s', (address) =>
    expect(isForbiddenAddress(address)).toBe(false),
  );
});

describe('guardedLookup', () => {
  it('refuses a name that resolves to loopback at connection time (DNS rebinding)', (done) => {
    guardedLookup('localhost', {}, (error) => {
      expect(error?.code).toBe('EFORBIDDENHOST');
      done();
    });
  });
});
