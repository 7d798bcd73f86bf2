// server.js: start the S3-compatible test server (@20minutes/s3rver, a fork of s3rver that
// checks AWS Signature V4; plain s3rver 3.x accepts any V4 signature) on 127.0.0.1 with one
// bucket and one key pair of our choosing, and print "PORT <n>" once it listens.
// Usage: node server.js <node_modules dir> <data dir> <bucket> <key id> <secret> [port]
'use strict';
const path = require('path');
const [modules, dataDir, bucket, keyId, secret, port] = process.argv.slice(2);
if (!secret) {
  console.error('usage: node server.js <node_modules> <data dir> <bucket> <key id> <secret> [port]');
  process.exit(2);
}
const base = path.join(modules, '@20minutes', 's3rver', 'lib');
const S3rver = require(path.join(base, 's3rver'));
const AWSAccount = require(path.join(base, 'models', 'account'));
// Replace the built-in S3RVER/S3RVER pair: a secret that differs from the key id lets tests
// assert that the secret never appears in an error while the key id may.
AWSAccount.DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
AWSAccount.DUMMY_ACCOUNT.createKeyPair(keyId, secret);
new S3rver({
  directory: dataDir,
  address: '127.0.0.1',
  port: Number(port || 0),
  silent: true,
  vhostBuckets: false,
  configureBuckets: [{ name: bucket, configs: [] }],
})
  .run()
  .then(({ port: p }) => console.log('PORT ' + p))
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
