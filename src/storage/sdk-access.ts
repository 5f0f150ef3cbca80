import type { PipelineRequest, PipelineResponse } from '@azure/core-rest-pipeline';
import { ContainerClient, type Pipeline } from '@azure/storage-blob';

/** What a request needs of the container's client: its pipeline's sender and the service version it speaks. */
export interface RequestSender {
  sendRequest(request: PipelineRequest): Promise<PipelineResponse>;
  /** The service version the SDK speaks, sent as `x-ms-version`. */
  version: string;
}

/**
 * The one way into what the SDK keeps protected on a container's client, for subclasses: its request pipeline (its
 * credential and signing, our retry policy, the SDK's user agent), through which hand-made requests and blob clients
 * built from our own URLs are sent. This subclass only reads them.
 */
class ClientAccess extends ContainerClient {
  static pipelineOf(container: ContainerClient): Pipeline {
    return (container as ClientAccess).pipeline as Pipeline;
  }

  static senderOf(container: ContainerClient): RequestSender {
    return (container as ClientAccess).storageClientContext;
  }
}

export const pipelineOf = ClientAccess.pipelineOf;
export const senderOf = ClientAccess.senderOf;
