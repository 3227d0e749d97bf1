import { importsOnly } from './program-imports';

describe('importsOnly: does a program import only these modules?', () => {
  const stdlib = new Set(['os', 'sys', 'json', 'collections', 'importlib', 'math']);

  it.each([
    ['no import at all', 'print(1)\nreturn 6 * 7'],
    ['plain imports', 'import os\nimport sys, json\nreturn 1'],
    ['dotted and aliased imports', 'import os.path as p, json as j\nreturn 1'],
    ['from-imports of names that are not modules', 'from collections import defaultdict, Counter\nfrom os.path import join'],
    ['imports inside a function and after a colon', 'def f():\n    import math\n    return math.pi\nif True: import json'],
    ['a relative import (names no module)', 'from . import x'],
    ['"import" inside a word', 'important = 1\nreimport = 2'],
  ])('yes: %s', (_, code) => {
    expect(importsOnly(code, stdlib)).toBe(true);
  });

  it.each([
    ['a plain import', 'import numpy'],
    ['one of several', 'import os, pandas as pd'],
    ['a dotted import', 'import matplotlib.pyplot as plt'],
    ['a from-import', 'from scipy import stats'],
    ['an indented import', 'for i in range(2):\n    import sklearn'],
    ['after a semicolon', 'x = 1; import requests'],
    ['__import__', 'np = __import__("numpy")'],
    ['importlib.import_module', 'import importlib\nnp = importlib.import_module("numpy")'],
    ['import_module under another name', 'from importlib import import_module as load\nnp = load("numpy")'],
    ['runpy', 'import runpy\nrunpy.run_module("numpy")'],
    ['an import continued on the next line', 'import os, \\\n    numpy'],
    ['form-feed indentation', '\fimport numpy'],
  ])('no: %s', (_, code) => {
    expect(importsOnly(code, stdlib)).toBe(false);
  });
});
