// Masking for display: documents keep their ends, phones 3+4 digits, names hide the surname.

import t from 'tap';
import { maskDocument, maskName, maskPhone } from '../../../src/domain/masking.js';

t.test('maskDocument', async (t) => {
  const cases: [string, string][] = [
    ['320102200103203935', '3201**********3935'],
    ['31010419721114465X', '3101**********465X'],
    ['USA320880808001', 'USA3*******8001'],
    ['0345678901', '0345**8901'],
    ['H60123456', 'H*******6'],
    ['03456789', '0******9'],
    ['E12', 'E*2'],
    ['AB', '**'],
    ['A', '*'],
    ['', ''],
  ];
  for (const [input, masked] of cases) {
    t.equal(maskDocument(input), masked, input);
    t.equal(maskDocument(input).length, input.length, `${input} keeps its length`);
  }
});

t.test('maskPhone', async (t) => {
  t.equal(maskPhone('+8613912345678'), '139****5678');
  t.equal(maskPhone('13912345678'), '139****5678');
  t.equal(maskPhone(' 13912345678 '), '139****5678');
  t.equal(maskPhone('+85291234567'), '+852****4567');
  t.equal(maskPhone('12345'), '1***5');
});

t.test('maskName', async (t) => {
  const cases: [string, string][] = [
    ['张三丰', '*三丰'],
    ['张三', '*三'],
    ['张', '*'],
    ['欧阳修', '*阳修'],
    [' 薛丽娟 ', '*丽娟'],
    ['买买提·艾力', '*买提·艾力'],
    ['SMITH JANE', 'S**** J***'],
    ['Jane  Doe', 'J***  D**'],
    ['𠀋𠀌', '*𠀌'],
    ['', ''],
  ];
  for (const [input, masked] of cases) t.equal(maskName(input), masked, input);
});
