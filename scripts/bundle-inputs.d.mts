// Types for bundle-inputs.mjs (a plain script, so that build.mjs and test.mjs run without a TypeScript loader).
export declare const ENTRIES: Record<string, string>;
export declare const RECORD: string;
export declare function inputsHash(root: string): string;
export declare function outputHash(root: string, name: string): string;
export declare function recordBuild(root: string, name: string, inputs: string | undefined): void;
export declare function staleBundles(
  root: string,
  names?: string[],
): { name: string; reason: 'missing' | 'unrecorded' | 'changed' | 'edited' }[];
