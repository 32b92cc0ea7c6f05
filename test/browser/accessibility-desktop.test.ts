// Accessibility at desktop width (1280x800): every page through axe-core in real Chromium; the
// suite itself is in test/helpers/accessibility-suite.ts (one viewport per file keeps each file short).

import t from 'tap';
import { engineName } from '../helpers/database.js';
import { auditEveryPage } from '../helpers/accessibility-suite.js';

t.test(`accessibility of every page at 1280x800 (${engineName})`, (t) => auditEveryPage(t, '1280x800', { width: 1280, height: 800 }, { selfCheck: false }));
