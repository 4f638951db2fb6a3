import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/** The cluster-wide rotation schedule set through the admin API; absent means the environment's. */
@Entity({ name: 'key_rotation_schedule' })
@Check('key_rotation_schedule_singleton', 'id = 1')
@Check('key_rotation_schedule_window', 'prepublication_window_seconds < rotation_interval_seconds')
export class KeyRotationScheduleEntity {
  @PrimaryColumn({ type: 'smallint' })
  id: number;

  @Column({ name: 'rotation_interval_seconds', type: 'integer' })
  rotationIntervalSeconds: number;

  @Column({ name: 'prepublication_window_seconds', type: 'integer' })
  prepublicationWindowSeconds: number;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'updated_by', type: 'text' })
  updatedBy: string;

  /** Optimistic concurrency (If-Match); the environment's schedule counts as version 1. */
  @Column({ type: 'integer' })
  version: number;
}
