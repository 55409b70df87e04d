import type { DataSource } from 'typeorm';
import { inTransaction } from '../../db/transaction';
import { conflict } from '../../shared/errors';
import { Persona } from './persona.entity';
import type { CreatePersonaInput } from './persona.inputs';

export class PersonaService {
  constructor(private readonly ds: DataSource) {}

  async create(input: CreatePersonaInput): Promise<Persona> {
    return inTransaction(this.ds, async (em) => {
      const repo = em.getRepository(Persona);
      const name = input.name.trim();
      if (await repo.existsBy({ name })) throw conflict('input.name', `A persona named "${name}" already exists.`);
      return repo.save(
        repo.create({ name, description: input.description.trim(), goals: input.goals.map((g) => g.trim()), preferredChannels: [...new Set(input.preferredChannels)] }),
      );
    });
  }
}
