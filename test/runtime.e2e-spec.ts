import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import { decodePng } from './support/png';
import { KEY, startTestApp, TestApp } from './support/test-app';

const PROJECT_DIR = path.resolve(__dirname, '..');

/** The curated runtime: its packages, files in and out, figures, per-request limits, GET /v1/runtime. */
const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64');
const fileOf = (body: { files: { path: string; content: string }[] }, path: string): Buffer | undefined => {
  const file = body.files.find((candidate) => candidate.path === path);
  return file && Buffer.from(file.content, 'base64');
};

describe('the Python runtime', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('runtime', { MAX_OUTPUT_FILES: '5', MAX_OUTPUT_FILES_BYTES: String(2 * 1024 * 1024), MAX_INPUT_FILES_BYTES: String(1024 * 1024) });
  });
  afterAll(async () => {
    await t.close();
  });

  describe('packages', () => {
    it.each([
      ['numpy: a matrix product', 'import numpy as np\nreturn (np.array([[1, 2], [3, 4]]) @ np.array([[5], [6]])).ravel().tolist()', [17, 39]],
      ['scipy: a root', 'from scipy.optimize import brentq\nreturn round(brentq(lambda x: x * x - 2, 0, 2), 6)', 1.414214],
      ['sympy: an integral', 'import sympy as sp\nx = sp.Symbol("x")\nreturn str(sp.integrate(x**2, (x, 0, 3)))', '9'],
      ['networkx: a shortest path', 'import networkx as nx\ng = nx.path_graph(5)\nreturn nx.shortest_path(g, 0, 4)', [0, 1, 2, 3, 4]],
      [
        'scikit-learn: a tiny model',
        'from sklearn.linear_model import LinearRegression\nm = LinearRegression().fit([[0], [1], [2]], [1, 3, 5])\nreturn [round(m.coef_[0], 6), round(m.intercept_, 6), round(float(m.predict([[10]])[0]), 6)]',
        [2, 1, 21],
      ],
      [
        'requests: a prepared request',
        'import requests\np = requests.Request("POST", "https://api.example.com/x", params={"q": "a b"}, json={"k": 1}).prepare()\nreturn [p.method, p.url, p.headers["Content-Type"], p.body.decode()]',
        ['POST', 'https://api.example.com/x?q=a+b', 'application/json', '{"k": 1}'],
      ],
      ['httpx: a request', 'import httpx\nr = httpx.Request("GET", "https://example.com/a", params={"n": 1})\nreturn str(r.url)', 'https://example.com/a?n=1'],
      [
        'beautifulsoup4 with lxml',
        'from bs4 import BeautifulSoup\nsoup = BeautifulSoup("<ul><li>a</li><li>b</li></ul>", "lxml")\nreturn [li.text for li in soup.find_all("li")]',
        ['a', 'b'],
      ],
      ['pyyaml', 'import yaml\nreturn yaml.safe_load("a: [1, 2]\\nb: {c: true}")', { a: [1, 2], b: { c: true } }],
      [
        'python-dateutil and tzdata',
        'from dateutil import parser, tz\nd = parser.isoparse("2026-07-01T12:00:00Z").astimezone(tz.gettz("Europe/Paris"))\nimport tzdata\nreturn d.isoformat()',
        '2026-07-01T14:00:00+02:00',
      ],
    ])('%s', async (_name, code, expected) => {
      const res = await t.execute({ code, timeout: 60 });
      expect(res.body.stderr).toBe('');
      expect(res.status).toBe(200);
      expect(res.body.result).toEqual(expected);
    });

    it('has no pip, and nothing of the host Python', async () => {
      const code = [
        'import importlib.util, sys',
        'return [importlib.util.find_spec("pip") is None, [p for p in sys.path if "dist-packages" in p], sys.prefix]',
      ].join('\n');
      const res = await t.execute({ code });
      expect(res.status).toBe(200);
      expect(res.body.result).toEqual([true, [], '/opt/pyexec/runtime']);
    });
  });

  describe('files in and out', () => {
    it('pandas groups an uploaded CSV; a new file comes back, an unchanged input does not', async () => {
      const code = [
        'import pandas as pd',
        'df = pd.read_csv("data/sales.csv")',
        'totals = df.groupby("region")["amount"].sum()',
        'totals.to_csv("out/totals.csv")',
        'return totals.to_dict()',
      ].join('\n');
      const res = await t.execute({
        code: `import os\nos.makedirs("out")\n${code}`,
        files: [{ path: 'data/sales.csv', content: b64('region,amount\nnorth,10\nsouth,32\nnorth,5\n') }],
        timeout: 60,
      });
      expect(res.status).toBe(200);
      expect(res.body.result).toEqual({ north: 15, south: 32 });
      expect(res.body.files).toEqual([
        { path: 'out/totals.csv', size: 32, mime_type: 'text/csv', content: b64('region,amount\nnorth,15\nsouth,32\n') },
      ]);
      // Job status keeps the answer, files included.
      const job = await request(t.url).get(`/v1/jobs/${res.body.job_id}`).set('x-api-key', KEY);
      expect(job.status).toBe(200);
      expect(job.body.response.files).toEqual(res.body.files);
    });

    it('a changed input file comes back; uploaded modules import; the working directory is /workspace', async () => {
      const res = await t.execute({
        code: 'import os, helper\nopen("notes.txt", "a").write("more\\n")\nreturn [helper.twice(21), os.getcwd()]',
        files: [
          { path: 'notes.txt', content: b64('first\n') },
          { path: 'helper.py', content: b64('def twice(n):\n    return 2 * n\n') },
        ],
      });
      expect(res.status).toBe(200);
      expect(res.body.result).toEqual([42, '/workspace']);
      expect(res.body.files.map((f: { path: string }) => f.path)).toEqual(['notes.txt']);
      expect(fileOf(res.body, 'notes.txt')!.toString()).toBe('first\nmore\n');
    });

    it('python-docx and reportlab write files that come back and parse', async () => {
      const write = [
        'from docx import Document',
        'doc = Document()',
        'doc.add_heading("Quarterly report", 1)',
        'doc.add_paragraph("Sales grew.")',
        'doc.save("report.docx")',
        'from reportlab.pdfgen import canvas',
        'c = canvas.Canvas("report.pdf")',
        'c.drawString(72, 720, "Quarterly report")',
        'c.save()',
      ].join('\n');
      const written = await t.execute({ code: write, timeout: 60 });
      expect(written.status).toBe(200);
      expect(written.body.files.map((f: { path: string; mime_type: string }) => [f.path, f.mime_type])).toEqual([
        ['report.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
        ['report.pdf', 'application/pdf'],
      ]);
      const pdf = fileOf(written.body, 'report.pdf')!;
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      expect(pdf.toString('latin1').trimEnd().endsWith('%%EOF')).toBe(true);
      // The .docx goes back in and python-docx reads it.
      const docx = written.body.files.find((f: { path: string }) => f.path === 'report.docx');
      const read = await t.execute({
        code: 'from docx import Document\nreturn [p.text for p in Document("in.docx").paragraphs]',
        files: [{ path: 'in.docx', content: docx.content }],
        timeout: 60,
      });
      expect(read.status).toBe(200);
      expect(read.body.result).toEqual(['Quarterly report', 'Sales grew.']);
      expect(read.body.files).toEqual([]);
    });

    it('openpyxl writes a workbook that comes back', async () => {
      const res = await t.execute({
        code: 'from openpyxl import Workbook, load_workbook\nwb = Workbook()\nwb.active["A1"] = 42\nwb.save("book.xlsx")\nreturn load_workbook("book.xlsx").active["A1"].value',
        timeout: 60,
      });
      expect(res.status).toBe(200);
      expect(res.body.result).toBe(42);
      expect(fileOf(res.body, 'book.xlsx')!.subarray(0, 2).toString()).toBe('PK');
    });

    it('PIL opens an uploaded PNG', async () => {
      const made = await t.execute({ code: 'from PIL import Image\nImage.new("RGB", (3, 2), (255, 0, 0)).save("red.png")' });
      expect(made.status).toBe(200);
      const png = fileOf(made.body, 'red.png')!;
      expect(decodePng(png)).toEqual({ width: 3, height: 2 });
      const res = await t.execute({
        code: 'from PIL import Image\nim = Image.open("in/red.png")\nreturn [im.size, im.mode, im.getpixel((0, 0))]',
        files: [{ path: 'in/red.png', content: png.toString('base64') }],
      });
      expect(res.status).toBe(200);
      expect(res.body.result).toEqual([[3, 2], 'RGB', [255, 0, 0]]);
    });

    it('never follows a symlink out of the working directory', async () => {
      const code = [
        'import os',
        'os.symlink("/etc/passwd", "passwd")',
        'os.symlink("/opt/pyexec/runtime/pyvenv.cfg", "venv.cfg")',
        'os.symlink("/usr", "usr")',
        'os.symlink("/dev/zero", "zero")',
        'os.mkfifo("pipe")',
        'open("real.txt", "w").write("mine")',
      ].join('\n');
      const res = await t.execute({ code });
      expect(res.status).toBe(200);
      expect(res.body.files).toEqual([{ path: 'real.txt', size: 4, mime_type: 'text/plain', content: b64('mine') }]);
    });

    it('answers 400 naming the cap when a run leaves too many files or bytes, with its output kept', async () => {
      const many = await t.execute({ code: 'print("made")\nfor i in range(6):\n    open(f"f{i}.txt", "w").write("x")' });
      expect(many.status).toBe(400);
      expect(many.body).toMatchObject({ error: 'Output files limit of 5 files exceeded (MAX_OUTPUT_FILES)', stdout: 'made\n', files: [] });
      const big = await t.execute({ code: 'print("made")\nopen("big.bin", "wb").write(b"x" * (3 * 1024 * 1024))' });
      expect(big.status).toBe(400);
      expect(big.body).toMatchObject({ error: `Output files limit of ${2 * 1024 * 1024} bytes exceeded (MAX_OUTPUT_FILES_BYTES)`, stdout: 'made\n' });
    });

    it.each([
      ['an absolute path', [{ path: '/etc/x', content: '' }], 'must be relative to the working directory, not absolute'],
      ['a .. segment', [{ path: 'a/../../x', content: '' }], "must not contain a '..' segment"],
      ['a NUL', [{ path: 'a\0b', content: '' }], 'must not contain NUL'],
      ['a path over 255 bytes', [{ path: 'é'.repeat(128), content: '' }], 'must be at most 255 bytes'],
      ['an empty segment', [{ path: 'a//b', content: '' }], "must not contain an empty or '.' segment"],
      ['a path twice', [{ path: 'a', content: '' }, { path: 'a', content: '' }], 'path "a" is given twice'],
      ['a file inside a file', [{ path: 'a', content: '' }, { path: 'a/b', content: '' }], 'path "a" is a file'],
      ['content that is not base64', [{ path: 'a', content: 'not base64!' }], 'files content must be base64'],
      ['65 files', Array.from({ length: 65 }, (_, i) => ({ path: `f${i}`, content: '' })), 'files must contain no more than 64 elements'],
      ['more than MAX_INPUT_FILES_BYTES', [{ path: 'big', content: b64(Buffer.alloc(1024 * 1024 + 1)) }], 'more than MAX_INPUT_FILES_BYTES (1048576)'],
    ])('refuses %s with a 400 naming the rule', async (_name, files, rule) => {
      const res = await t.execute({ code: 'pass', files });
      expect(res.status).toBe(400);
      expect(res.body.error).toContain(rule);
    });
  });

  describe('figures', () => {
    it('comes back as PNGs: shown ones and ones left open, without the program saving them', async () => {
      const code = [
        'import matplotlib.pyplot as plt',
        'plt.plot([1, 2, 3], [1, 4, 9])',
        'plt.show()',
        'fig, ax = plt.subplots(figsize=(4, 3), dpi=50)',
        'ax.bar(["a", "b"], [3, 5])',
        'return plt.get_backend()',
      ].join('\n');
      const res = await t.execute({ code, timeout: 60 });
      expect(res.body.stderr).toBe('');
      expect(res.status).toBe(200);
      expect(res.body.result).toBe('module://pyexec_figures');
      expect(res.body.files.map((f: { path: string; mime_type: string }) => [f.path, f.mime_type])).toEqual([
        ['figure-1.png', 'image/png'],
        ['figure-2.png', 'image/png'],
      ]);
      expect(decodePng(fileOf(res.body, 'figure-1.png')!)).toEqual({ width: 640, height: 480 });
      expect(decodePng(fileOf(res.body, 'figure-2.png')!)).toEqual({ width: 200, height: 150 });
    });
  });

  describe('per-request limits', () => {
    const allocate = (mb: number) => `b = bytearray(${mb} * 1024 * 1024)\nfor i in range(0, len(b), 4096):\n    b[i] = 1\nreturn len(b) // (1024 * 1024)`;

    it('memory above the default works when asked for; the limit named is the one the request got', async () => {
      const defaults = await t.execute({ code: allocate(400) });
      expect(defaults.status).toBe(400);
      expect(defaults.body.error).toBe('Memory limit of 256 MiB exceeded');
      const more = await t.execute({ code: allocate(400), limits: { memory_mb: 700 } });
      expect(more.status).toBe(200);
      expect(more.body.result).toBe(400);
      const asked = await t.execute({ code: allocate(400), limits: { memory_mb: 300 } });
      expect(asked.status).toBe(400);
      expect(asked.body.error).toBe('Memory limit of 300 MiB exceeded');
    });

    it('processes, CPUs and output follow the request', async () => {
      const threads = await t.execute({
        code: 'import threading, time\nts = [threading.Thread(target=time.sleep, args=(0.5,)) for _ in range(20)]\nfor t in ts:\n    t.start()',
        limits: { max_processes: 8 },
      });
      expect(threads.status).toBe(400);
      expect(threads.body.error).toBe('Process limit of 8 exceeded');
      const cpus = await t.execute({ code: 'import numpy, os\nreturn os.environ["OPENBLAS_NUM_THREADS"]', limits: { cpus: 2 } });
      expect(cpus.status).toBe(200);
      expect(cpus.body.result).toBe('2');
      const output = await t.execute({ code: 'print("x" * 5000)', limits: { max_output_bytes: 2048 } });
      expect(output.status).toBe(400);
      expect(output.body.error).toBe('Output limit of 2048 bytes exceeded on stdout');
    });

    it.each([
      [{ memory_mb: 4096 }, 'limits.memory_mb 4096 is above SANDBOX_MEMORY_MB_CAP (1024)'],
      [{ max_processes: 100000 }, 'limits.max_processes 100000 is above SANDBOX_MAX_PIDS_CAP (256)'],
      [{ cpus: 65 }, 'limits.cpus 65 is above SANDBOX_CPUS_CAP'],
      [{ max_output_bytes: 1 << 30 }, 'limits.max_output_bytes 1073741824 is above MAX_OUTPUT_BYTES_CAP (8388608)'],
      [{ memory_mb: 8 }, 'memory_mb must not be less than 16'],
      [{ cpus: 0.001 }, 'cpus must not be less than 0.01'],
      [{ swap: 1 }, 'property swap should not exist'],
    ])('refuses %p with a 400 naming the cap or rule', async (limits, rule) => {
      const res = await t.execute({ code: 'pass', limits });
      expect(res.status).toBe(400);
      expect(res.body.error).toContain(rule);
    });
  });

  describe('GET /v1/runtime', () => {
    it('lists the Python, every package with its version, the limits and the file rules', async () => {
      const res = await request(t.url).get('/v1/runtime').set('x-api-key', KEY);
      expect(res.status).toBe(200);
      expect(res.body.python).toEqual({ implementation: 'CPython', version: expect.stringMatching(/^3\.\d+\.\d+$/) });
      const names = res.body.packages.map((p: { name: string }) => p.name.toLowerCase());
      for (const name of ['numpy', 'pandas', 'scipy', 'matplotlib', 'pillow', 'requests', 'httpx', 'beautifulsoup4', 'lxml', 'pyyaml',
        'python-dateutil', 'tzdata', 'openpyxl', 'python-docx', 'reportlab', 'sympy', 'networkx', 'scikit-learn']) {
        expect(names).toContain(name);
      }
      expect(names).not.toContain('pip');
      expect(res.body.packages.find((p: { name: string }) => p.name === 'numpy').version).toMatch(/^\d+\.\d+/);
      expect(res.body.limits).toEqual({
        default: { timeout: 30, memory_mb: 256, max_processes: 64, cpus: 1, max_output_bytes: 1048576 },
        maximum: { timeout: 300, memory_mb: 1024, max_processes: 256, cpus: expect.any(Number), max_output_bytes: 8388608 },
      });
      expect(res.body.files).toEqual({
        working_directory: '/workspace', max_input_files: 64, max_input_files_bytes: 1048576, max_output_files: 5, max_output_files_bytes: 2097152,
      });
      expect(res.body.network).toEqual({ egress: false, allowed_hosts: [] });
    });

    it('needs an API key', async () => {
      const res = await request(t.url).get('/v1/runtime');
      expect(res.status).toBe(401);
    });
  });
});

describe('an operator runtime (RUNTIME_REQUIREMENTS)', () => {
  const dir = path.join(PROJECT_DIR, '.tools', 'test-runtime-extra');
  const build = () =>
    execFileSync('bash', ['scripts/build-runtime.sh', 'test/fixtures/extra-requirements.txt', dir], { cwd: PROJECT_DIR, stdio: 'pipe', timeout: 300_000 });
  let t: TestApp;
  beforeAll(async () => {
    build();
    t = await startTestApp('runtime-extra', { RUNTIME_DIR: dir });
  }, 320_000);
  afterAll(async () => {
    await t.close();
  });

  it('runs code with the packages of the operator file, and only those', async () => {
    const res = await t.execute({ code: 'import six, importlib.util\nreturn [six.__version__, importlib.util.find_spec("numpy") is None]' });
    expect(res.status).toBe(200);
    expect(res.body.result).toEqual(['1.16.0', true]);
    const runtime = await request(t.url).get('/v1/runtime').set('x-api-key', KEY);
    expect(runtime.status).toBe(200);
    expect(runtime.body.packages).toEqual([{ name: 'six', version: '1.16.0' }]);
  });

  it('is not rebuilt while its requirements are unchanged', () => {
    const manifest = path.join(dir, 'pyexec-runtime.json');
    const before = statSync(manifest).mtimeMs;
    build();
    expect(statSync(manifest).mtimeMs).toBe(before);
  });
});
