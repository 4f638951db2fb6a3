/** home/: the landing page at `/` and the answer to unknown paths (#20; answerUnknownRoute, called by the global filter). */
import { Module } from '@nestjs/common';
import { HomeController } from './home.controller.js';

@Module({ controllers: [HomeController] })
export class HomeModule {}
