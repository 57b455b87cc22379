import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import type { Role } from '../shared/viewer';

/**
 * An API key. Only a SHA-256 hash of the secret is stored: keys are 192 random
 * bits, so a fast hash is enough (no password stretching needed), and a leaked
 * table reveals no usable key.
 */
@Entity({ name: 'api_key' })
@Index('UQ_api_key_hash', ['hash'], { unique: true })
export class ApiKey {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_api_key' })
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: Role;

  /** The first characters of the key, so that people can tell keys apart in listings. */
  @Column({ type: 'varchar', length: 16 })
  prefix!: string;

  @Column({ type: 'varchar', length: 64 })
  hash!: string;

  /** Hashes of the persisted operations the key may run; null for any. */
  @Column({ type: 'simple-json', nullable: true })
  allowedOperations!: string[] | null;

  @CreateDateColumn()
  createdAt!: Date;

  @Column({ type: Date, nullable: true })
  expiresAt!: Date | null;

  @Column({ type: Date, nullable: true })
  revokedAt!: Date | null;

  @Column({ type: Date, nullable: true })
  lastUsedAt!: Date | null;
}
