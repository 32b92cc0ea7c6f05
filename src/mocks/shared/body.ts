// The mock servers read bodies with the same bounded readers as the provider's own routes.

export { readForm, readJsonObject, readRawBody } from '../../http/body.js';
