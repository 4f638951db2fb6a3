/** home/: the landing page at `/` and the answer to unknown paths (#20). */
import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { HomeController } from './home.controller.js';
import { NotFoundFilter } from './not-found.filter.js';

@Module({ controllers: [HomeController], providers: [{ provide: APP_FILTER, useClass: NotFoundFilter }] })
export class HomeModule {}
