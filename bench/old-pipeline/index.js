// The old mirror pipeline, re-created for the benchmark as it really ran:
// read subs.json, start every feed at once with rss-parser (Promise.all, no
// limit), and once all have arrived write one Jekyll post per item in the
// archive format, skipping a file that exists. Its naive YAML escaping is
// kept on purpose. A `file://` feed is read from disk and handed to the same
// parser (rss-parser's parseURL speaks only HTTP), so the benchmark can
// leave the network out.
//
// usage: node index.js SUBS.json SITE_DIR   (NODE_PATH must reach rss-parser)
const fs = require('fs');
const path = require('path');
const { fileURLToPath } = require('url');
const Parser = require('rss-parser');

async function parse(parser, url) {
  if (url.startsWith('file://')) {
    return parser.parseString(await fs.promises.readFile(fileURLToPath(url), 'utf8'));
  }
  return parser.parseURL(url);
}

async function main() {
  const [subsFile, site] = process.argv.slice(2);
  const subs = JSON.parse(fs.readFileSync(subsFile, 'utf8'));
  const postsDir = path.join(site, '_posts');
  fs.mkdirSync(postsDir, { recursive: true });
  const parser = new Parser();
  const now = new Date();
  const feeds = await Promise.all(subs.map((sub) => parse(parser, sub.url).catch((e) => {
    console.error(`${sub.site}: ${e.message}`);
    return null;
  })));
  let written = 0;
  subs.forEach((sub, i) => {
    const feed = feeds[i];
    if (!feed) return;
    for (const item of feed.items) {
      const published = item.isoDate ? new Date(item.isoDate) : now;
      const date = published < now ? published : now;
      const title = (item.title || '').trim();
      const content = (item['content:encoded'] || item.content || '')
        .split('\n').map((l) => l.trim()).join('');
      const name = `${date.toISOString().slice(0, 10)}-${title.slice(0, 50).replace(/\//g, '--')}.md`;
      const file = path.join(postsDir, name);
      if (fs.existsSync(file)) continue;
      const post = `---
layout: post
title: "${title.replace(/"/g, '\\"')}"
date: ${date.toISOString()}
author: ${item.creator || item.author || sub.site}
from: ${item.link}
tags: [ ${sub.site} ]
comments: True
categories: [ ${sub.site} ]
---
<!--${published.getTime()}-->
[${title}](${item.link})
------

<div>
${content}
</div>
`;
      fs.writeFileSync(file, post);
      written++;
    }
  });
  console.log(`${written} posts`);
}

main();
