// validate_sarif.js FILE...: validate SARIF logs against the official
// SARIF 2.1.0 JSON schema (sarif-2.1.0-rtm.5.json, draft-04, as shipped by
// @microsoft/jest-sarif), offline. Prints each error; exits 1 on any.
'use strict';
const fs = require('fs');
const path = require('path');
const Ajv = require('ajv-draft-04');
const addFormats = require('ajv-formats');

const schemaPath = path.join(path.dirname(require.resolve('@microsoft/jest-sarif/package.json')),
                             'lib', 'schemas', 'sarif-2.1.0-rtm.5.json');
const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
// the schema's language pattern is not valid with RegExp's u flag: compile without it
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);

let bad = 0;
for (const file of process.argv.slice(2)) {
  const log = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!validate(log)) {
    bad++;
    for (const e of validate.errors)
      console.log(`${file}: ${e.instancePath || '/'} ${e.message}`);
  } else {
    console.log(`${file}: valid SARIF 2.1.0`);
  }
}
process.exit(bad ? 1 : 0);
