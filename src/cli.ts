#!/usr/bin/env node
// The `ael` command: reads the options and runs one command (each in src/cli/).
import { parseArgs } from "node:util";
import { AelError, ConfigError } from "./errors.js";
import { OPTIONS, TRAINING_OPTIONS, USAGE, type Args } from "./cli/args.js";
import { ablateCommand, trainCommand } from "./cli/train.js";
import { evalCommand, recommendCommand } from "./cli/model.js";
import { profileCommand } from "./cli/profile.js";
import { exportCommand, importCommand } from "./cli/interop.js";
import { relaunchForRelaxedSimd } from "./cli/relaunch.js";

type Option = keyof typeof OPTIONS;
// profile runs every epoch it is given: early stopping's options are not its
const EARLY_STOPPING: Option[] = ["patience", "valid-every", "valid-ratio"];
const PROFILED_TRAINING: Option[] = TRAINING_OPTIONS.filter((o) => !EARLY_STOPPING.includes(o));

/** Each command and the options it takes (any other is refused, not ignored). */
const COMMANDS: Record<string, { run: (a: Args) => Promise<void>; options: Option[] }> = {
  train: { run: trainCommand, options: ["data", "seed", "noise", ...TRAINING_OPTIONS, "threads", "flavour", "out", "resume", "checkpoint-every", "json"] },
  eval: { run: evalCommand, options: ["model", "data", "noise", "flavour", "threads", "json"] },
  recommend: { run: recommendCommand, options: ["model", "user", "items", "exclude", "k", "all", "variant", "out", "flavour", "threads", "json"] },
  ablate: { run: ablateCommand, options: ["data", "seeds", "noise", ...TRAINING_OPTIONS, "threads", "flavour", "json"] },
  profile: { run: profileCommand, options: ["data", "noise", ...PROFILED_TRAINING, "flavour", "threads", "json"] },
  export: { run: exportCommand, options: ["model", "out"] },
  import: { run: importCommand, options: ["weights", "data", "noise", "out"] },
};

async function main(argv: string[]): Promise<void> {
  const { values: a, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  const cmd = positionals[0];
  if (a.help || !cmd) {
    console.log(USAGE);
    return;
  }
  const command = COMMANDS[cmd];
  if (!command) throw new ConfigError(`unknown command "${cmd}"\n${USAGE}`);
  const stray = Object.keys(a).filter((k) => k !== "help" && !command.options.includes(k as Option));
  const flags = (keys: string[]) => keys.map((k) => (k.length === 1 ? `-${k}` : `--${k}`)).join(", ");
  if (stray.length) throw new ConfigError(`${cmd} does not take ${flags(stray)}; it takes ${flags(command.options)}`);
  const relaunched = relaunchForRelaxedSimd(a.flavour);
  if (relaunched !== undefined) process.exitCode = relaunched;
  else await command.run(a);
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
