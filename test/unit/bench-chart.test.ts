import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { barChartSvg, benchGroups, escapeXml, type BarGroup } from '../../bench/chart.js';
import type { Row } from '../../bench/report.js';

const TEXT = { title: 'Wall time', subtitle: '2 cores, medians of 3', format: (v: number) => `${v.toFixed(2)} s` };

/** Every element opened is closed, in order, and nothing but whitespace lies outside the root: well-formed enough. */
function assertBalanced(svg: string): void {
  const open: string[] = [];
  for (const [, closing, name, selfClosing] of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (selfClosing) continue;
    if (closing) assert.equal(open.pop(), name, `</${name}> closes what was opened`);
    else open.push(name!);
  }
  assert.deepEqual(open, [], 'every element is closed');
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"[\s\S]*<\/svg>\n$/);
}

/** The bars of the chart in order: width, fill. */
function bars(svg: string): { width: number; fill: string }[] {
  return [...svg.matchAll(/<rect x="\d+" y="\d+" width="([\d.]+)" height="\d+" fill="(#[0-9a-f]+)"\/>/g)].map((m) => ({
    width: Number(m[1]),
    fill: m[2]!,
  }));
}

describe('the bench chart (SVG)', () => {
  const groups: BarGroup[] = [
    {
      title: 'site: first sync',
      bars: [
        { label: 'ours', value: 15, ours: true },
        { label: 'rclone', value: 30, ours: false },
        { label: 'azcopy', value: 45, ours: false },
      ],
    },
    {
      title: 'site: re-sync',
      bars: [
        { label: 'ours', value: 1, ours: true },
        { label: 'rclone', value: 2, ours: false },
      ],
    },
  ];

  it('draws one bar per tool, each group scaled to its own longest bar, ours in its own colour', () => {
    const svg = barChartSvg(groups, TEXT);
    assertBalanced(svg);
    const drawn = bars(svg);
    assert.equal(drawn.length, 5);
    const [a, b, c, d, e] = drawn.map((bar) => bar.width);
    assert.ok(Math.abs(a! / c! - 1 / 3) < 0.01 && Math.abs(b! / c! - 2 / 3) < 0.01, 'proportional within a group');
    assert.equal(c, e, 'the longest bar of each group has the same length');
    assert.ok(Math.abs(d! / e! - 0.5) < 0.01);
    const oursFill = drawn[0]!.fill;
    assert.deepEqual(
      drawn.map((bar) => bar.fill === oursFill),
      [true, false, false, true, false],
    );
    for (const value of ['15.00 s', '30.00 s', '45.00 s', '1.00 s', '2.00 s']) assert.ok(svg.includes(`>${value}<`));
    assert.ok(svg.includes('<title id="chart-title">Wall time</title>'), 'an accessible name');
  });

  it('grows with the groups and places every bar below the one before', () => {
    const one = barChartSvg(groups.slice(0, 1), TEXT);
    const two = barChartSvg(groups, TEXT);
    const height = (svg: string) => Number(/height="(\d+)"/.exec(svg)![1]);
    assert.ok(height(two) > height(one));
    const ys = [...two.matchAll(/<rect x="\d+" y="(\d+)" width/g)].map((m) => Number(m[1]));
    assert.deepEqual(
      ys,
      [...ys].sort((x, y) => x - y),
    );
    assert.equal(new Set(ys).size, ys.length);
  });

  it('escapes text, so a label cannot break the markup', () => {
    assert.equal(escapeXml(`a<b>&"c'`), 'a&lt;b&gt;&amp;&quot;c&apos;');
    const svg = barChartSvg([{ title: 'x & <y>', bars: [{ label: '</svg><script>', value: 1, ours: false }] }], {
      ...TEXT,
      subtitle: 'AMD "EPYC"',
    });
    assertBalanced(svg);
    assert.ok(!svg.includes('<script>'));
    assert.ok(svg.includes('x &amp; &lt;y&gt;') && svg.includes('AMD &quot;EPYC&quot;'));
  });

  it('draws a zero as an empty bar and refuses a value that is not a number ≥ 0', () => {
    const svg = barChartSvg([{ title: 'g', bars: [{ label: 'ours', value: 0, ours: true }] }], TEXT);
    assert.deepEqual(
      bars(svg).map((bar) => bar.width),
      [0],
    );
    for (const value of [Number.NaN, -1, Number.POSITIVE_INFINITY])
      assert.throws(
        () => barChartSvg([{ title: 'g', bars: [{ label: 'rclone', value, ours: false }] }], TEXT),
        /"g": the value of rclone is/,
      );
  });
});

describe('the bench chart groups', () => {
  const row = (dataset: string, scenario: Row['scenario'], tool: string, wallS: number): Row => ({
    dataset,
    scenario,
    tool,
    runs: 3,
    wallS,
    cpuS: 1,
    peakRssMB: 100,
    requests: 1,
    uploaded: 0,
  });

  it('one group per data set and scenario that ours and a peer ran, ours first, peers in tool order, no variants of ours', () => {
    const rows = [
      row('site', 'first', 'azcopy', 42),
      row('site', 'first', 'rclone', 38),
      row('site', 'first', 'ours', 15),
      row('site', 'first', 'ours-compress', 16), // our variant, not a peer
      row('site', 'nochange', 'ours', 1.2),
      row('site', 'nochange', 'rclone', 1.8),
      row('many', 'nochange', 'ours', 5.7), // ours alone: no group
      row('big', 'first', 'rclone', 6), // no ours: no group
      row('big', 'first', 'azcopy', 9),
      row('big', 'hash', 'ours-hash', 1),
      row('big', 'hash', 'md5sum', 2),
    ];
    const groups = benchGroups(
      rows,
      ['ours', 'ours-compress', 'rclone', 'azcopy'],
      (r) => `${r.dataset} ${r.scenario}`,
    );
    assert.deepEqual(groups, [
      {
        title: 'site first',
        bars: [
          { label: 'ours', value: 15, ours: true },
          { label: 'rclone', value: 38, ours: false },
          { label: 'azcopy', value: 42, ours: false },
        ],
      },
      {
        title: 'site nochange',
        bars: [
          { label: 'ours', value: 1.2, ours: true },
          { label: 'rclone', value: 1.8, ours: false },
        ],
      },
    ]);
  });
});
