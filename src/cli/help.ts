/**
 * The `--help` text of one subcommand (`chat-server user --help`) or of one of its actions
 * (`chat-server user create --help`): its usage lines, then every flag it takes, one a line.
 */
import type { Flag } from "./args.js";
import type { Command } from "./command.js";

const HELP_FLAG: [string, Flag] = ["help", { short: "h", description: "print this help and exit" }];

/** The first operand in `args`, skipping flags and the values they take. */
function actionIn(command: Command, args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "--") return args[i + 1];
    if (!arg.startsWith("-")) return arg;
    const name = arg.replace(/^--?/, "");
    const flag = Object.entries(command.flags).find(
      ([long, f]) => long === name || f.short === name,
    );
    if (flag?.[1].value !== undefined && !arg.includes("=")) i++;
  }
  return undefined;
}

function flagLabel(name: string, flag: Flag): string {
  const value = flag.value === undefined ? "" : ` ${flag.value}`;
  return flag.short === undefined
    ? `--${name}${value}`
    : `--${name}${value}, -${flag.short}${value}`;
}

export function commandHelp(command: Command, args: string[]): string {
  const action = actionIn(command, args);
  const lines =
    action === undefined ? [] : command.usage.filter(([usage]) => usage.split(" ")[1] === action);
  const chosen = lines.length > 0 ? lines : command.usage;
  const flags = Object.entries(command.flags).filter(
    ([name, flag]) =>
      lines.length === 0 ||
      flag.everyAction === true ||
      chosen.some(([usage]) => new RegExp(`--${name}(?![\\w-])`).test(usage)),
  );
  flags.push(HELP_FLAG);
  const labels = flags.map(([name, flag]) => flagLabel(name, flag));
  const width = Math.min(Math.max(...labels.map((l) => l.length)) + 2, 32);
  const flagLines = flags.map(([, flag], i) => {
    const label = labels[i] ?? "";
    return label.length + 2 > width
      ? `  ${label}\n  ${" ".repeat(width)}${flag.description}`
      : `  ${label.padEnd(width)}${flag.description}`;
  });
  return `Usage:
${chosen.map(([usage, description]) => `  chat-server ${usage}\n      ${description}`).join("\n")}

Flags:
${flagLines.join("\n")}
`;
}
