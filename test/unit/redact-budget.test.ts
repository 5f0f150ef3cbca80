import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteBudget } from '../../src/engine/transfer/budget.js';
import { redact } from '../../src/engine/redact.js';
import { chooseBlockSize, MAX_BLOCKS } from '../../src/engine/transfer/upload.js';

describe('redact', () => {
  it('removes SAS signatures, account keys, bearer tokens and JWTs', () => {
    const text = [
      'PUT https://a.blob.core.windows.net/c/x?sv=2022&sig=AbC%2Bdef%3D&se=1 failed',
      'AccountName=a;AccountKey=S3cr3tKey==;EndpointSuffix=x',
      'Authorization: Bearer abc.def-ghi',
      'token eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4eXoxMjMifQ.sig',
    ].join('\n');
    const clean = redact(text);
    for (const secret of ['AbC%2Bdef%3D', 'S3cr3tKey', 'abc.def-ghi', 'eyJhbGciOiJub25lIn0'])
      assert.ok(!clean.includes(secret), secret);
    assert.match(clean, /sv=2022&sig=REDACTED&se=1/);
  });
});

describe('ByteBudget', () => {
  it('makes later requests wait until bytes are released, first come first served', async () => {
    const budget = new ByteBudget(10);
    const order: string[] = [];
    await budget.acquire(8);
    const big = budget.acquire(6).then(() => order.push('big'));
    const small = budget.acquire(1).then(() => order.push('small'));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, []);
    budget.release(8);
    await Promise.all([big, small]);
    assert.deepEqual(order, ['big', 'small']);
  });

  it('lets a request larger than the budget through once it has all of it', async () => {
    const budget = new ByteBudget(4);
    assert.equal(await budget.acquire(100), 4);
  });
});

describe('chooseBlockSize', () => {
  const MiB = 1024 * 1024;
  it('keeps the default for ordinary files and grows it to stay under 50,000 blocks', () => {
    assert.equal(chooseBlockSize(100 * MiB), 8 * MiB);
    const huge = 1024 * 1024 * MiB; // 1 TiB
    const size = chooseBlockSize(huge);
    assert.ok(Math.ceil(huge / size) <= MAX_BLOCKS);
    assert.equal(size % MiB, 0);
  });
});
