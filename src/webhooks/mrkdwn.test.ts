import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mrkdwnToMarkdown } from "./mrkdwn.js";
import { payloadToBody } from "./payload.js";

describe("Slack mrkdwn as markdown", () => {
  const cases: [string, string][] = [
    ["*bold* and _it_ and ~gone~", "**bold** and _it_ and ~~gone~~"],
    ["<https://a.example/x?y=1&amp;z=2|the *run*>", "[the *run*](https://a.example/x?y=1&z=2)"],
    ["<https://a.example>", "https://a.example"],
    ["<mailto:ops@example.com|mail us>", "[mail us](mailto:ops@example.com)"],
    ["<https://a.example/(x)|paren>", "paren (https://a.example/(x))"],
    ["<@U123> <#C1|general> <!here> <!subteam^S1|@ops>", "@U123 #general @here @ops"],
    ["a &lt;b&gt; &amp; c", "a <b> & c"],
    ["`*not bold*` and ```\n*nor this*\n```", "`*not bold*` and ```\n*nor this*\n```"],
    ["* a list item\n* another", "* a list item\n* another"],
    ["2*3*4 stays", "2*3*4 stays"],
    ["[label] stays", "[label] stays"],
  ];
  for (const [slack, ours] of cases)
    it(JSON.stringify(slack), () => assert.equal(mrkdwnToMarkdown(slack), ours));
});

describe("webhook payloads as a body", () => {
  it("posts text as it is with mrkdwn false", () => {
    assert.equal(payloadToBody({ text: "*x* &amp;", mrkdwn: false }), "*x* &amp;");
  });
  it("falls back to text when the blocks show nothing", () => {
    assert.equal(payloadToBody({ text: "*t*", blocks: [{ type: "divider" }, 5, null] }), "**t**");
  });
  it("skips blocks and attachments of unexpected shapes", () => {
    const body = payloadToBody({
      blocks: [
        { type: "section", text: 3, fields: "x" },
        { type: "context", elements: [{}] },
      ],
      attachments: ["x", { fields: [null, { value: "v" }] }],
    });
    assert.equal(body, "v");
  });
  it("refuses a payload with nothing to post", () => {
    assert.throws(() => payloadToBody({ username: "x" }), /needs `text`/);
  });
});
