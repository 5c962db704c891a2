// Fault suite for the worker-thread wall (see fixtures/walls/fault-suite.ts).
import { faultSuite } from "./fixtures/walls/fault-suite.js";

faultSuite("worker");
