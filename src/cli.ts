#!/usr/bin/env node
// The `ael` command: reads the options and runs one command (each in src/cli/).
import { parseArgs } from "node:util";
import { AelError, ConfigError } from "./errors.js";
import { OPTIONS, USAGE, type Args } from "./cli/args.js";
import { ablateCommand, trainCommand } from "./cli/train.js";
import { evalCommand, recommendCommand } from "./cli/model.js";
import { profileCommand } from "./cli/profile.js";
import { exportCommand, importCommand } from "./cli/interop.js";
import { relaunchForRelaxedSimd } from "./cli/relaunch.js";

const COMMANDS: Record<string, (a: Args) => Promise<void>> = {
  train: trainCommand,
  eval: evalCommand,
  recommend: recommendCommand,
  ablate: ablateCommand,
  profile: profileCommand,
  export: exportCommand,
  import: importCommand,
};

async function main(argv: string[]): Promise<void> {
  const { values: a, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  const cmd = positionals[0];
  if (a.help || !cmd) {
    console.log(USAGE);
    return;
  }
  const run = COMMANDS[cmd];
  if (!run) throw new ConfigError(`unknown command "${cmd}"\n${USAGE}`);
  const relaunched = relaunchForRelaxedSimd(a.flavour);
  if (relaunched !== undefined) process.exitCode = relaunched;
  else await run(a);
}

// a reader that stops early (`ael recommend --all | head`) ends the command, as it does any filter
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code !== "EPIPE") throw e;
  process.exit(0);
});

main(process.argv.slice(2)).catch((e) => {
  if (e instanceof AelError || (e as Error).name === "WasmLoadError" || (e as Error).name === "WasmMemoryError" || (e as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS")) {
    console.error(`ael: ${(e as Error).message}`);
    process.exit(2);
  }
  throw e;
});
