// JSON Schemas of the parts of GitHub's workflow and action syntax that this repository and its docs use, written
// from GitHub's documentation ("Workflow syntax for GitHub Actions", "Metadata syntax for GitHub Actions"). Strict
// where a slip would go unnoticed until a run on GitHub: unknown keys, event names, filters, permission scopes and
// levels, a step with both or neither of `uses` and `run`. Applied with Ajv in workflow-schema.test.ts.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** The Feather icon names (the Marketplace's icon set is Feather's), from the feather-icons package. */
const FEATHER_ICONS = Object.keys(require('feather-icons/dist/icons.json') as Record<string, unknown>);

const string = { type: 'string' };
const strings = { oneOf: [string, { type: 'array', items: string, minItems: 1 }] };
const scalar = { type: ['string', 'number', 'boolean'] };
const map = (values: object) => ({ type: 'object', additionalProperties: values });
const closed = (properties: Record<string, object>, required: string[] = []) => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});

const EVENTS = [
  'branch_protection_rule',
  'check_run',
  'check_suite',
  'create',
  'delete',
  'deployment',
  'deployment_status',
  'discussion',
  'discussion_comment',
  'fork',
  'gollum',
  'issue_comment',
  'issues',
  'label',
  'merge_group',
  'milestone',
  'page_build',
  'public',
  'pull_request',
  'pull_request_review',
  'pull_request_review_comment',
  'pull_request_target',
  'push',
  'registry_package',
  'release',
  'repository_dispatch',
  'schedule',
  'status',
  'watch',
  'workflow_call',
  'workflow_dispatch',
  'workflow_run',
];

const branchFilters = {
  branches: strings,
  'branches-ignore': strings,
  paths: strings,
  'paths-ignore': strings,
};
const withTypes = { types: strings };
const eventFilters: Record<string, object> = {
  push: closed({ ...branchFilters, tags: strings, 'tags-ignore': strings }),
  pull_request: closed({ ...branchFilters, ...withTypes }),
  pull_request_target: closed({ ...branchFilters, ...withTypes }),
  workflow_run: closed({ workflows: strings, branches: strings, 'branches-ignore': strings, ...withTypes }),
  workflow_dispatch: closed({
    inputs: map(closed({ description: string, required: scalar, default: scalar, type: string, options: strings })),
  }),
  workflow_call: closed({ inputs: map({ type: 'object' }), outputs: map({ type: 'object' }), secrets: map({}) }),
  schedule: { type: 'array', items: closed({ cron: string }, ['cron']), minItems: 1 },
};
const on = {
  oneOf: [
    { enum: EVENTS },
    { type: 'array', items: { enum: EVENTS }, minItems: 1 },
    {
      type: 'object',
      propertyNames: { enum: EVENTS },
      minProperties: 1,
      properties: Object.fromEntries(
        EVENTS.map((event) => [event, { oneOf: [{ type: 'null' }, eventFilters[event] ?? closed(withTypes)] }]),
      ),
    },
  ],
};

const SCOPES = [
  'actions',
  'attestations',
  'checks',
  'contents',
  'deployments',
  'discussions',
  'id-token',
  'issues',
  'models',
  'packages',
  'pages',
  'pull-requests',
  'repository-projects',
  'security-events',
  'statuses',
];
const permissions = {
  oneOf: [
    { enum: ['read-all', 'write-all'] },
    {
      type: 'object',
      propertyNames: { enum: SCOPES },
      additionalProperties: { enum: ['read', 'write', 'none'] },
    },
  ],
};

const env = map(scalar);
const concurrency = { oneOf: [string, closed({ group: string, 'cancel-in-progress': scalar }, ['group'])] };
const defaults = closed({ run: closed({ shell: string, 'working-directory': string }) });

const stepCommon = {
  id: string,
  if: scalar,
  name: string,
  with: map(scalar),
  env,
  'continue-on-error': scalar,
  'timeout-minutes': scalar,
};
const step = {
  oneOf: [
    closed({ ...stepCommon, uses: string }, ['uses']),
    closed({ ...stepCommon, run: string, shell: string, 'working-directory': string }, ['run']),
  ],
};

const jobCommon = {
  name: string,
  needs: strings,
  permissions,
  if: scalar,
  concurrency,
  strategy: closed({ matrix: { type: ['object', 'string'] }, 'fail-fast': scalar, 'max-parallel': scalar }),
};
const job = {
  oneOf: [
    closed(
      {
        ...jobCommon,
        'runs-on': { oneOf: [string, { type: 'array', items: string }, { type: 'object' }] },
        environment: { oneOf: [string, closed({ name: string, url: string }, ['name'])] },
        outputs: map(string),
        env,
        defaults,
        steps: { type: 'array', items: step, minItems: 1 },
        'timeout-minutes': scalar,
        'continue-on-error': scalar,
        container: { type: ['string', 'object'] },
        services: map({ type: 'object' }),
      },
      ['runs-on', 'steps'],
    ),
    closed({ ...jobCommon, uses: string, with: map(scalar), secrets: { oneOf: [{ const: 'inherit' }, map(string)] } }, [
      'uses',
    ]),
  ],
};

export const WORKFLOW_SCHEMA = closed(
  {
    name: string,
    'run-name': string,
    on,
    permissions,
    env,
    defaults,
    concurrency,
    jobs: { type: 'object', minProperties: 1, additionalProperties: job },
  },
  ['on', 'jobs'],
);

export const ACTION_SCHEMA = closed(
  {
    name: string,
    author: string,
    description: string,
    inputs: map(
      closed({ description: string, required: { type: 'boolean' }, default: string, deprecationMessage: string }, [
        'description',
      ]),
    ),
    outputs: map(closed({ description: string, value: string }, ['description'])),
    runs: {
      oneOf: [
        closed(
          {
            using: { enum: ['node20', 'node24'] },
            main: string,
            pre: string,
            'pre-if': string,
            post: string,
            'post-if': string,
          },
          ['using', 'main'],
        ),
        closed({ using: { const: 'composite' }, steps: { type: 'array', items: step } }, ['using', 'steps']),
        closed({ using: { const: 'docker' }, image: string, args: { type: 'array' }, env, entrypoint: string }, [
          'using',
          'image',
        ]),
      ],
    },
    branding: closed(
      {
        icon: { enum: FEATHER_ICONS },
        color: { enum: ['white', 'black', 'yellow', 'blue', 'green', 'orange', 'red', 'purple', 'gray-dark'] },
      },
      ['icon', 'color'],
    ),
  },
  ['name', 'description', 'runs'],
);
