/** Every resolver class; the schema is built from exactly this list: the node resolver and each module's (MODULES). */
import { MODULES } from '../modules';
import type { ClassType } from '../modules/module';
import { NodeResolver } from './node.resolver';

export const resolvers: [ClassType, ...ClassType[]] = [NodeResolver, ...MODULES.flatMap((m) => m.resolvers ?? [])];
