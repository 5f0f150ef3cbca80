import { after, before } from 'node:test';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { startAzurite, type AzuriteOptions, type RunningAzurite } from '../../src/emulator/azurite.js';

export interface AzuriteFixture {
  readonly azurite: RunningAzurite;
  readonly service: BlobServiceClient;
  /** A new, empty container with a unique name. */
  newContainer(): Promise<ContainerClient>;
}

let counter = 0;

/**
 * Starts a fresh in-memory Azurite on a free loopback port for the enclosing test file (or `describe`), and stops
 * it afterwards.
 */
export function useAzurite(options: AzuriteOptions = {}): AzuriteFixture {
  let azurite: RunningAzurite | undefined;
  let service: BlobServiceClient | undefined;
  before(async () => {
    azurite = await startAzurite(options);
    service = BlobServiceClient.fromConnectionString(azurite.connectionString);
  });
  after(async () => {
    await azurite?.stop();
  });
  return {
    get azurite() {
      if (!azurite) throw new Error('Azurite is not started yet (use the fixture inside a test)');
      return azurite;
    },
    get service() {
      if (!service) throw new Error('Azurite is not started yet (use the fixture inside a test)');
      return service;
    },
    async newContainer() {
      const container = this.service.getContainerClient(`test-${process.pid}-${++counter}`);
      await container.create();
      return container;
    },
  };
}
