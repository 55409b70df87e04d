/** Personas: the audience segments customers are assigned to. */
import { defineModule } from '../module';
import { Persona } from './persona.entity';
import { createPersonaLoaders } from './persona.loaders';
import { PersonaResolver } from './persona.resolver';
import { PersonaService } from './persona.service';
import { PERSONAS_SQL } from './persona.sql';

declare module '../context' {
  interface Loaders extends ReturnType<typeof createPersonaLoaders> {}
  interface Services {
    personas: PersonaService;
  }
}

export const personas = defineModule({
  name: 'personas',
  entities: [Persona],
  resolvers: [PersonaResolver],
  loaders: createPersonaLoaders,
  services: ({ ds }) => ({ personas: new PersonaService(ds) }),
  nodeTypes: { Persona: 'personaById' },
  // Personas are reference data, nobody's data.
  nodeOwners: { Persona: () => ({ customers: [] }) },
  sql: PERSONAS_SQL,
});
