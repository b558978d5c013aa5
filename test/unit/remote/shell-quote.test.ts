import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quoteArg, quoteArgv } from '../../../src/remote/shell-quote.js';

test('safe words stay bare, everything else is single-quoted', () => {
  assert.equal(quoteArg('ls'), 'ls');
  assert.equal(quoteArg('/var/log/flickr-killr/app-1.log'), '/var/log/flickr-killr/app-1.log');
  assert.equal(quoteArg('-la'), '-la');
  assert.equal(quoteArg('user@10.0.0.1:22'), 'user@10.0.0.1:22');
  assert.equal(quoteArg(''), "''");
});

test('spaces, quotes, $, backquotes, globs, newlines and unicode arrive as one literal word', () => {
  const cases: Array<[string, string]> = [
    ['hello world', "'hello world'"],
    ["it's", "'it'\\''s'"],
    ["''", "''\\'''\\'''"],
    ['say "hi"', `'say "hi"'`],
    ['$HOME', "'$HOME'"],
    ['$(rm -rf /)', "'$(rm -rf /)'"],
    ['`id`', "'`id`'"],
    ['*.log', "'*.log'"],
    ['a\nb', "'a\nb'"],
    ['back\\slash', "'back\\slash'"],
    ['photo «été» 写真 🎞', "'photo «été» 写真 🎞'"],
    ['~root', "'~root'"],
    ['a;b|c&d', "'a;b|c&d'"],
    ['#comment', "'#comment'"],
    // A bare first word `A=b` would be an assignment, not a command.
    ['A=b', "'A=b'"],
  ];
  for (const [arg, quoted] of cases) assert.equal(quoteArg(arg), quoted, JSON.stringify(arg));
});

test('an argv becomes one command line, words joined by spaces', () => {
  assert.equal(quoteArgv(['sh', '-c', 'echo "$1"', 'x', "it's"]), `sh -c 'echo "$1"' x 'it'\\''s'`);
  assert.equal(quoteArgv([]), '');
});
