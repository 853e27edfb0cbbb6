// Types of deploy/generate.mjs, for the tests that regenerate its files in memory.
export declare const ROOT: string;
export declare const RULES_FILE: string;
export declare const PROMETHEUS_RULE_FILE: string;
export declare const VANTAGE_RULES_FILE: string;
export declare function prometheusRule(rulesText: string): string;
export declare function vantageRules(rulesText: string): string;
export declare function generate(rulesText?: string): { path: string; text: string }[];
