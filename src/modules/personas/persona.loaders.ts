import type { EntityManager } from 'typeorm';
import { byIdLoader } from '../../db/by-id-loader';
import { Persona } from './persona.entity';

export function createPersonaLoaders(em: EntityManager, cache: boolean) {
  return { personaById: byIdLoader(em, Persona, cache) };
}
