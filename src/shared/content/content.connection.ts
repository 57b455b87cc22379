import { ObjectType } from 'type-graphql';
import { ConnectionType } from '../pagination/connection.type';
import { Content } from './content.entity';

@ObjectType({ description: 'A page of content of every type, newest first.' })
export class ContentConnection extends ConnectionType<Content>(Content, 'Content') {}
