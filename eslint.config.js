import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "**/dist/**",
      "site/**",
      ".stryker-tmp/**",
      "reports/**",
      "**/node_modules/**",
      "**/test/fixtures/**",
      ".compat-cache/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // TypeScript checks names; the plain-JS bench scripts run on Node with SES globals.
      "no-undef": "off",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      "no-restricted-syntax": [
        "error",
        {
          selector: "TSEnumDeclaration",
          message: "Use an `as const` object instead of an enum.",
        },
      ],
    },
  },
  {
    files: ["packages/*/test/**/*.ts", "bench/**/*.js"],
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
    },
  },
);
