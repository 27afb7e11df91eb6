/**
 * The node arguments that run this repository's TypeScript straight from source: the tsx
 * loader, and the export condition under which the workspace packages (protocol, SDK,
 * client) resolve to their .ts sources rather than to their compiled dist/.
 */
export const SOURCE_NODE_ARGS: readonly string[] = [
  "--conditions=@private-chat/source",
  "--import",
  "tsx",
];
