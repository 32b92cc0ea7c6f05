// Accessibility at phone width (375x812): every page through axe-core in real Chromium; the
// suite itself is in test/helpers/accessibility-suite.ts (one viewport per file keeps each file short).

import t from 'tap';
import { engineName } from '../helpers/database.js';
import { auditEveryPage } from '../helpers/accessibility-suite.js';

t.test(`accessibility of every page at 375x812 (${engineName})`, (t) => auditEveryPage(t, '375x812', { width: 375, height: 812 }, { selfCheck: true }));
