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
// Virtual-host requests (Host <bucket>.s3.localhost, i.e. endpoint_url http://s3.localhost:<port>
// with s3_url_style = "virtual"; libcurl resolves *.localhost to loopback itself) are routed
// to the bucket by s3rver's vhost middleware when serviceEndpoint is 'localhost'. Its V4
// check of such requests uses the path-style canonical URI "/<bucket>/<key>", which AWS does
// not: SigV4 signs the path as sent ("/<key>", AWS's own example signs /test.txt for
// examplebucket.s3.amazonaws.com; curl --aws-sigv4 and the SDKs do the same). We correct that
// one point so virtual-host clients are checked with the real rule; path-style requests (to
// 127.0.0.1, what every other test uses) are untouched.
const v4 = require(path.join(base, 'signature', 'v4'));
const stringToSign = v4.getStringToSign;
const VHOST = /^(.+)\.s3(?:-website)?(?:[-.].+)?\.localhost$/;
v4.getStringToSign = (req, sig) => {
  const m = VHOST.exec(String(req.headers.host || '').replace(/:\d+$/, ''));
  const pre = m ? '/' + encodeURIComponent(m[1]) : null;
  if (pre && (req.uri === pre || req.uri.startsWith(pre + '/')))
    req = Object.assign({}, req, { uri: req.uri.slice(pre.length) || '/' });
  return stringToSign(req, sig);
};
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
  serviceEndpoint: 'localhost', // <bucket>.s3.localhost is the bucket's virtual host
  configureBuckets: [{ name: bucket, configs: [] }],
})
  .run()
  .then(({ port: p }) => console.log('PORT ' + p))
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
