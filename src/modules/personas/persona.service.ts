import type { DataSource, EntityManager } from 'typeorm';
import { inTransaction } from '../../db/transaction';
import { conflict } from '../../shared/errors';
import { isUniqueViolation } from '../../shared/pg-errors';
import { Persona } from './persona.entity';
import type { CreatePersonaInput } from './persona.inputs';

export class PersonaService {
  constructor(private readonly ds: DataSource) {}

  async create(input: CreatePersonaInput, outer?: EntityManager): Promise<Persona> {
    return inTransaction(
      this.ds,
      async (em) => {
        const repo = em.getRepository(Persona);
        const name = input.name.trim();
        const taken = () => conflict('input.name', `A persona named "${name}" already exists.`);
        if (await repo.existsBy({ name })) throw taken();
        try {
          return await repo.save(
            repo.create({
              name,
              description: input.description.trim(),
              goals: input.goals.map((g) => g.trim()),
              preferredChannels: [...new Set(input.preferredChannels)],
            }),
          );
        } catch (err) {
          // A concurrent create of the same name can pass the check above and commit first.
          if (isUniqueViolation(err, 'name')) throw taken();
          throw err;
        }
      },
      outer,
    );
  }
}
