// Type-checks a Grafana dashboard JSON against @grafana/schema with the TypeScript compiler.
//
// usage: node .ci/check-dashboard.mjs <dashboard.json> <tools/node dir>
//
// The JSON is pasted into a generated .ts file as object literals typed with Grafana's own
// types: the whole dashboard as `Dashboard`, and every panel again with its plugin's
// Options/FieldConfig types (timeseries, stat, table). Object-literal excess property checks
// then reject unknown keys, and wrong types or enum values fail `tsc --noEmit`.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';

const [dashboardPath, toolsDir] = process.argv.slice(2);
if (!dashboardPath || !toolsDir) {
  console.error('usage: check-dashboard.mjs <dashboard.json> <tools/node dir>');
  process.exit(2);
}
const dashboard = JSON.parse(readFileSync(dashboardPath, 'utf8'));
const genDir = join(resolve(toolsDir), 'gen', 'dashboard');
mkdirSync(genDir, { recursive: true });

const panelTypes = {
  timeseries: 'TimeSeriesPanelCfg_types.gen',
  stat: 'StatPanelCfg_types.gen',
  table: 'TablePanelCfg_types.gen',
};
const dir = { timeseries: 'timeseries', stat: 'stat', table: 'table' };

const lines = [];
lines.push(`import type { Dashboard, Panel, RowPanel } from '@grafana/schema';`);
for (const [type, mod] of Object.entries(panelTypes)) {
  lines.push(`import type * as ${type} from '@grafana/schema/dist/esm/raw/composable/${dir[type]}/panelcfg/x/${mod}';`);
}
// Grafana's types use TypeScript enums, which JSON strings cannot be assigned to; Lit<T>
// replaces every string enum by the union of its values ("background" | "value" | ...).
lines.push(`
type Lit<T> = T extends string ? \`\${T}\`
  : T extends readonly (infer E)[] ? Lit<E>[]
  : T extends object ? { [K in keyof T]: Lit<T[K]> }
  : T;
`);
lines.push(`export const dashboard: Lit<Dashboard> = ${JSON.stringify(dashboard, null, 2)};`);

const unknown = [];
const panels = [];
for (const p of dashboard.panels ?? []) {
  panels.push(p);
  if (p.type === 'row') panels.push(...(p.panels ?? []));
}
panels.forEach((p, i) => {
  if (p.type === 'row') {
    lines.push(`export const row${i}: Lit<RowPanel> = ${JSON.stringify(p, null, 2)};`);
  } else if (panelTypes[p.type]) {
    // stat has no custom field config in its plugin schema.
    const fieldConfig = p.type === 'stat' ? 'Record<string, unknown>' : `${p.type}.FieldConfig`;
    // Grafana's Panel<TOptions> does not apply TOptions to `options`: do it here.
    lines.push(`export const panel${i}: Lit<Omit<Panel<${p.type}.Options, ${fieldConfig}>, 'options'> & { options: ${p.type}.Options }> = ${JSON.stringify(p, null, 2)};`);
  } else {
    unknown.push(`${p.type} ("${p.title}")`);
  }
});
if (unknown.length) {
  console.error(`panel types without a typed check: ${unknown.join(', ')}`);
  process.exit(1);
}

writeFileSync(join(genDir, 'dashboard.ts'), lines.join('\n') + '\n');
writeFileSync(join(genDir, 'tsconfig.json'), JSON.stringify({
  compilerOptions: {
    strict: true, noEmit: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext',
    skipLibCheck: true, types: [],
  },
  files: ['dashboard.ts'],
}, null, 2));
const tsc = join(resolve(toolsDir), 'node_modules', 'typescript', 'bin', 'tsc');
try {
  execFileSync(process.execPath, [tsc, '-p', join(genDir, 'tsconfig.json')], { stdio: 'inherit' });
} catch {
  console.error(`tsc rejected ${dashboardPath} (generated ${join(genDir, 'dashboard.ts')})`);
  process.exit(1);
}
console.log(`${dashboardPath}: ${panels.length} panels type-check against @grafana/schema`);
