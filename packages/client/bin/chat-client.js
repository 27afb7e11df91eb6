#!/usr/bin/env node
// The chat-client command. This launcher is in the repository, so npm links it as a
// command at install time, before the build has written bundle/ (scripts/bundle-client.mjs).
import "../bundle/chat-client.js";
